package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// manual is the function of "emulate --manual": a person, who answers each
// GetObject with "wgor write". The token is theirs to use, so it is printed
// whole, with the command that uses it.
func manual(w io.Writer, timeout time.Duration) accesspoint.InvokerFunc {
	var mu sync.Mutex // one invocation's lines together
	return func(ctx context.Context, inv *accesspoint.Invocation) error {
		ev, err := fcrt.ParseEvent(inv.Event)
		if err != nil {
			return err
		}
		c := ev.GetObjectContext
		mu.Lock()
		fmt.Fprintf(w, "GetObject %s waits up to %v for your answer:\n  export %s='%s'\n  wgor write --route %s --region %s FILE\n",
			inv.RequestID, timeout, envToken, c.OutputToken, c.OutputRoute, inv.Region)
		mu.Unlock()
		// An invoker that returns without a response fails the GetObject
		// (FunctionResponseNotReceived), while one still running has its
		// response relayed as soon as it arrives. The access point tells an
		// invoker of nothing but the end of ctx (the timeout, the caller
		// gone before an answer, or Close), so the person's turn lasts that
		// long.
		<-ctx.Done()
		return nil
	}
}

// announceManual tells how to answer: "wgor write" signs with the default
// credentials chain, which must find the emulator's keys.
func announceManual(w io.Writer, c sign.Credentials, source string) {
	fmt.Fprintln(w, "function: you (--manual): answer each GetObject with 'wgor write' as printed when it arrives")
	switch source {
	case sourceRandom: // made up by the emulator, valid nowhere else
		fmt.Fprintf(w, "  in the shell of 'wgor write', first: export %s='%s' %s='%s' %s='%s'\n",
			creds.EnvAccessKeyID, c.AccessKeyID, creds.EnvAccessKeySecret, c.AccessKeySecret, creds.EnvSecurityToken, c.SecurityToken)
	case sourceFlags:
		fmt.Fprintf(w, "  'wgor write' signs with the default credentials chain: give it the same keys ($%s, $%s)\n",
			creds.EnvAccessKeyID, creds.EnvAccessKeySecret)
	}
}
