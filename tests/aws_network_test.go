package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bucket traffic from the nodes goes through a free gateway endpoint instead of the NAT gateways
// (which bill every GB they process).
func TestAWSS3TrafficBypassesTheNATGateways(t *testing.T) {
	region := map[string]string{"prod": "us-east-1", "aws-dev": "eu-west-1"}
	for _, p := range awsPlans(t) {
		ep := awsFind(t, p, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3")
		assert.Equal(t, "Gateway", ep.Str("vpcEndpointType"))
		assert.Equal(t, "com.amazonaws."+region[p.Stack]+".s3", ep.Str("serviceName"))
		var private []any
		for _, rt := range p.ByType(tRouteTable) {
			if strings.Contains(rt.Name, "private") {
				private = append(private, rt.Name+"-id")
			}
		}
		assert.Len(t, private, 3)
		assert.ElementsMatch(t, private, listAt(ep, "routeTableIds"), "%s: every private subnet's route table", p.Stack)
	}
}

func TestAWSVPCFlowLogsRecordEveryConnection(t *testing.T) {
	for _, p := range awsPlans(t) {
		fl := awsFind(t, p, "aws:ec2/flowLog:FlowLog", "network")
		assert.Equal(t, "ALL", fl.Str("trafficType"), "accepted and rejected traffic")
		assert.Equal(t, "cloud-watch-logs", fl.Str("logDestinationType"))
		group := awsFind(t, p, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
		assert.Equal(t, "/aws/vpc/workfx-"+p.Stack+"/flow-logs", group.Str("name"))
		assert.Equal(t, map[string]int64{"prod": 90, "aws-dev": 7}[p.Stack], awsInput(group, "retentionInDays"), "logs are not kept forever")
		assert.Contains(t, fl.Dependencies, group.URN)
		role := awsFind(t, p, tRole, "network-flow-logs")
		assert.Contains(t, fl.Dependencies, role.URN)
		assert.True(t, p.DependsOn(fl, awsFind(t, p, tRolePolicy, "network-flow-logs")), "the role may write before the flow log starts")
		var trust struct {
			Statement []struct {
				Principal map[string]string
				Condition map[string]map[string]string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &trust))
		assert.Equal(t, "vpc-flow-logs.amazonaws.com", trust.Statement[0].Principal["Service"])
		assert.Equal(t, "123456789012", trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"], "only this account's flow logs")
	}
}
