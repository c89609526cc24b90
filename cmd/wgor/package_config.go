package main

import (
	"fmt"
	"io"
	"path/filepath"
)

// The files "wgor package" writes besides the zip, and their sources:
//
//   - fc3: the Serverless Devs component for Function Compute 3.0,
//     github.com/devsapp/fc3: src/schema.json, src/default/config.ts and
//     its examples (__tests__/complete-props.yaml, __tests__/e2e/go/s.yaml,
//     __tests__/e2e/custom.debian10/go/s.yaml).
//   - FC: Function Compute's "Compile and deploy a code package" (Go),
//     "Custom runtime: principles", the API's CustomRuntimeConfig.
//   - OSS: "Create Object FC Access Points" (the policy), "Use Object FC
//     Access Points" (the alias).
//
// The fields of s.yaml:
//   - edition 3.0.0: the spec version of fc3's examples; access: default,
//     the credentials name of "s config add" in every fc3 example.
//   - resources.function: the resource's name is free-form (fc3's fcDemo).
//   - region, functionName, runtime: fc3's required props (src/schema.json).
//   - go1, handler NAME: the binary's name at the zip's root (FC, Go; fc3's
//     e2e/go). custom.debian10 (fc3's IRuntime, e2e/custom.debian10) needs
//     no handler; its command /code/bootstrap and port 9000 are FC's
//     defaults ("Custom runtime: principles"; CustomRuntimeConfig), written
//     out, and fcrt.Start's port when FC_SERVER_PORT is unset.
//   - code: relative to s.yaml; fc3 uploads a .zip as it is
//     (src/subCommands/deploy/impl/function.ts, _assertNeedZip), so the
//     exec bit in the zip survives.
//   - memorySize 512: fc3's default (src/default/config.ts), written out.
//   - timeout 30: fc3's go1 and custom.debian10 examples (its default is
//     3 s). OSS does not say how long a GetObject waits for the function.
//   - role: acs:ram::ACCOUNT:role/NAME (fc3's e2e/nodejs/s_lock_auto.yaml),
//     the account from ${config('AccountID')}; the name is the user's, a
//     placeholder that cannot pass for a real one.
//
// Strings are single-quoted (a name such as "true" stays a string); checked
// names hold no quote. The role's double quotes leave ${…} to Serverless Devs.
const serverlessTemplate = `# A Serverless Devs project for Function Compute 3.0, written by "wgor package".
# Before "s deploy", set role to a RAM role with policy.json attached.
edition: 3.0.0
name: '%[1]s'
access: default

resources:
  function:
    component: fc3
    props:
      region: '%[2]s'
      functionName: '%[1]s'
      %[3]s
      code: './%[1]s.zip'
      memorySize: 512
      timeout: 30
      role: "acs:ram::${config('AccountID')}:role/REPLACE-WITH-YOUR-ROLE-NAME"
`

// serverlessYAML returns the s.yaml for o.
func serverlessYAML(o *pkgOptions) []byte {
	runtime := "runtime: go1\n      handler: '" + o.name + "'"
	if o.runtime == "custom" {
		runtime = "runtime: custom.debian10\n      customRuntimeConfig:\n        command:\n          - /code/bootstrap\n        port: 9000"
	}
	return fmt.Appendf(nil, serverlessTemplate, o.name, o.region, runtime)
}

// ramPolicy is the policy OSS's "Create Object FC Access Points" gives the
// function's role: oss:WriteGetObjectResponse on any resource (OSS
// documents no narrower one). The event's inputOssUrl is presigned:
// reading it needs nothing more.
const ramPolicy = `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "oss:WriteGetObjectResponse",
      "Resource": "*"
    }
  ]
}
`

// printNextSteps tells what to do with the files, in order.
func printNextSteps(w io.Writer, o *pkgOptions) {
	zip, syaml, policy := filepath.Join(o.out, o.name+".zip"), filepath.Join(o.out, "s.yaml"), filepath.Join(o.out, "policy.json")
	runtime, console := "go1, handler "+o.name, "the runtime Go 1 and the handler "+o.name
	if o.runtime == "custom" {
		runtime, console = "custom.debian10, /code/bootstrap", "the runtime custom.debian10"
	}
	width := max(len(zip), len(syaml), len(policy))
	fmt.Fprintf(w, `packaged %s for Function Compute (linux/%s, %s):
  %-*s  the binary as %q, mode 0755
  %-*s  Serverless Devs project (fc3), region %s
  %-*s  RAM policy: oss:WriteGetObjectResponse

Next steps:
  1. In RAM, create a role that Function Compute can assume, attach %s to it,
     and put its name in %s's role line. (Reading the event's inputOssUrl
     needs no more: it is presigned.)
  2. Deploy: cd %s && s deploy
     (or, in the console, create an event function with %s
     from %s, with that role).
  3. Create an Object FC Access Point for the function on your bucket (OSS console,
     Object FC Access Points, or the API CreateAccessPointForObjectProcess); note its alias.
  4. GetObject through the alias, used as the bucket name:
       ossutil cp oss://ALIAS/KEY ./KEY     (or an OSS SDK with the alias as the bucket)
`, o.pkg, o.arch, runtime, width, zip, o.entry(), width, syaml, o.region, width, policy, policy, syaml, o.out, console, zip)
}
