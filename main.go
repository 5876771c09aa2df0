// Command workfx-platform is the WorkFX AI platform as a Pulumi program.
//
//	pulumi up -s <stack>                 run by the Pulumi CLI (no arguments): the real deployment
//	go run . plan --stack <stack> [...]  offline plan under the SDK's mock monitor
//	go run . onboard --customer FILE ... a KA customer's stack through the Automation API
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/stacks"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "plan":
			os.Exit(planCommand(os.Args[2:], os.Stdout, os.Stderr))
		case "onboard":
			os.Exit(onboardCommand(os.Args[2:], os.Stdout, os.Stderr))
		case "-h", "--help", "help":
			fmt.Println(usage)
			return
		default:
			fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s\n", os.Args[1], usage)
			os.Exit(2)
		}
	}
	pulumi.Run(stacks.Run)
}

const usage = `usage:
  pulumi up -s <stack>            deploy (the Pulumi CLI runs this program without arguments)
  go run . plan --stack <stack>   offline plan: manifests, plan.json and a summary
      --out DIR        where to write (default out/<stack>)
      --json           print the summary as JSON
      --show-secrets   show secret values in manifests and plan.json
      --dir DIR        project directory holding Pulumi.yaml (default .)
      --file FILE      a stack-format config file instead of Pulumi.<stack>.yaml
      --report         deploy time, monthly cost and in-cluster footprint (docs/report.md)
  go run . onboard --customer FILE --preview|--up|--refresh|--destroy
                                  a KA customer's stack (ka-<id>) through the Automation API;
                                  go run . onboard --help lists its options (docs/onboarding.md)`
