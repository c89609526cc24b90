package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The files "wgor package" writes besides the zip. Each field says where
// it comes from. The sources:
//
//   - fc3: the Serverless Devs component for Function Compute 3.0,
//     github.com/devsapp/fc3: its schema (src/schema.json), its defaults
//     (src/default/config.ts) and its example projects
//     (__tests__/complete-props.yaml, __tests__/e2e/go/s.yaml for go1,
//     __tests__/e2e/custom.debian10/go/s.yaml for a custom runtime).
//   - FC: Function Compute's documentation: "Compile and deploy a code
//     package" (Go), "Custom runtime: principles", the API's
//     CustomRuntimeConfig structure.
//   - OSS: "Create Object FC Access Points" (the policy) and "Use Object FC
//     Access Points" (the alias).

// Defaults of s.yaml where the sources leave the choice to the user.
const (
	// memorySize: fc3's default (src/default/config.ts, 512, the console's
	// too), written out so that the user sees it. 128 is fc3's go1 example;
	// an image transform wants more.
	pkgMemoryMB = 512
	// timeout: 30 s as in fc3's go1 and custom.debian10 examples; fc3's
	// default is 3 s. OSS does not say how long a GetObject through an
	// Object FC Access Point waits for the function: 30 s is a guess that
	// leaves room for a transform of a large object.
	pkgTimeoutS = 30
	// The port a custom runtime listens on: Function Compute's default
	// (CAPort 9000, "Custom runtime: principles"), where fcrt.Start listens
	// when FC_SERVER_PORT is unset.
	pkgCustomPort = 9000
)

// serverlessYAML returns the s.yaml for o. Every string is single-quoted
// (names such as "true" or "null" stay strings); checked names hold no
// quote. The role's double quotes leave ${config('AccountID')} to
// Serverless Devs.
func serverlessYAML(o *pkgOptions) []byte {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# A Serverless Devs project for Function Compute 3.0, written by \"wgor package\".")
	w("# Before \"s deploy\", set role to a RAM role with policy.json attached.")
	// edition 3.0.0 is the version of the YAML spec that fc3 projects use;
	// name is the project's; access names the credentials of "s config
	// add" to deploy with, "default" in every fc3 example.
	w("edition: 3.0.0")
	w("name: '%s'", o.name)
	w("access: default")
	w("")
	w("resources:")
	// The key is the resource's name in the project, free-form in fc3's
	// examples (fcDemo); "function" says what it is.
	w("  function:")
	w("    component: fc3")
	w("    props:")
	// region, functionName and runtime are fc3's required props
	// (src/schema.json "required").
	w("      region: '%s'", o.region)
	w("      functionName: '%s'", o.name)
	if o.runtime == "go1" {
		// go1 and its handler: the binary's file name at the zip's root (FC,
		// "Compile and deploy a code package": Handler is the binary's
		// name; fc3's e2e/go example: runtime go1, handler main).
		w("      runtime: go1")
		w("      handler: '%s'", o.name)
	} else {
		// custom.debian10: the custom runtime on Debian 10 (fc3's schema,
		// IRuntime; its e2e/custom.debian10 example). A custom runtime
		// needs no handler (fc3's schema requires one only for the other
		// runtimes). The command and port are Function Compute's defaults
		// ("Custom runtime: principles": /code/bootstrap, 9000; the
		// CustomRuntimeConfig structure), written out so that the
		// function does not depend on them.
		w("      runtime: custom.debian10")
		w("      customRuntimeConfig:")
		w("        command:")
		w("          - /code/bootstrap")
		w("        port: %d", pkgCustomPort)
	}
	// code: a path relative to s.yaml's directory; fc3 uploads a .zip as
	// it is and zips anything else (src/subCommands/deploy/impl/function.ts,
	// _assertNeedZip), so the exec bit set in the zip survives.
	w("      code: './%s.zip'", o.name)
	w("      memorySize: %d", pkgMemoryMB)
	w("      timeout: %d", pkgTimeoutS)
	// role: the function's RAM role as an ARN, acs:ram::ACCOUNT:role/NAME
	// (fc3's examples, e.g. e2e/nodejs/s_lock_auto.yaml, with the account
	// ID from ${config('AccountID')}, the credentials of access). The
	// function signs WriteGetObjectResponse with this role's temporary
	// credentials, so it needs policy.json. The name is the user's to
	// choose: a placeholder that cannot be mistaken for a real one.
	w("      role: \"acs:ram::${config('AccountID')}:role/REPLACE-WITH-YOUR-ROLE-NAME\"")
	return []byte(b.String())
}

// policyDocument is a RAM policy document.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string `json:"Effect"`
	Action   string `json:"Action"`
	Resource string `json:"Resource"`
}

// ramPolicy returns the policy the function's role needs: the one OSS's
// "Create Object FC Access Points" gives for the function's role, which
// allows oss:WriteGetObjectResponse on any resource (OSS documents no
// narrower resource for it). Reading the event's inputOssUrl needs nothing
// more: it is presigned.
func ramPolicy() ([]byte, error) {
	p := policyDocument{
		Version: "1",
		Statement: []policyStatement{
			{Effect: "Allow", Action: "oss:WriteGetObjectResponse", Resource: "*"},
		},
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// printNextSteps tells what to do with the files, in the order it must be
// done.
func printNextSteps(w io.Writer, o *pkgOptions, r *pkgResult) {
	runtime := "go1, handler " + o.name
	console := fmt.Sprintf("an event function with the runtime Go 1 and the handler %s", o.name)
	if o.runtime == "custom" {
		runtime = "custom.debian10, /code/bootstrap"
		console = "an event function with the runtime custom.debian10"
	}
	fmt.Fprintf(w, "packaged %s for Function Compute (linux/%s, %s):\n", o.pkg, o.arch, runtime)
	files := [][2]string{
		{r.zip, fmt.Sprintf("the binary as %q, mode 0755", r.entry)},
		{r.syaml, "Serverless Devs project (fc3), region " + o.region},
		{r.policy, "RAM policy: oss:WriteGetObjectResponse"},
	}
	width := max(len(r.zip), len(r.syaml), len(r.policy))
	for _, f := range files {
		fmt.Fprintf(w, "  %-*s  %s\n", width, f[0], f[1])
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Next steps:")
	fmt.Fprintf(w, "  1. In RAM, create a role that Function Compute can assume, attach %s to it,\n", r.policy)
	fmt.Fprintf(w, "     and put its name in %s's role line. (Reading the event's inputOssUrl\n", r.syaml)
	fmt.Fprintln(w, "     needs no more: it is presigned.)")
	fmt.Fprintf(w, "  2. Deploy: cd %s && s deploy\n", o.out)
	fmt.Fprintf(w, "     (or, in the console, create %s\n", console)
	fmt.Fprintf(w, "     from %s, with that role).\n", r.zip)
	fmt.Fprintln(w, "  3. Create an Object FC Access Point for the function on your bucket (OSS console,")
	fmt.Fprintln(w, "     Object FC Access Points, or the API CreateAccessPointForObjectProcess); note its alias.")
	fmt.Fprintln(w, "  4. GetObject through the alias, used as the bucket name:")
	fmt.Fprintln(w, "       ossutil cp oss://ALIAS/KEY ./KEY     (or an OSS SDK with the alias as the bucket)")
}
