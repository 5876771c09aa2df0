package report

// AWS list prices: on-demand, Linux, USD, no reservations or savings plans.
//
// Every figure was recorded on the AsOf date from the price page named in its group's Source.
// They were not fetched live (the plan runs offline), so check them before quoting a customer:
//
//	aws pricing get-products --region us-east-1 --service-code AmazonEC2 \
//	  --filters Type=TERM_MATCH,Field=instanceType,Value=m6i.large Type=TERM_MATCH,Field=regionCode,Value=us-east-1 \
//	            Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared \
//	            Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used
//
// (service codes: AmazonEKS, AmazonMSK, AmazonRDS, AmazonElastiCache, AmazonVPC, AWSSecretsManager,
// awskms, AmazonS3, AWSELB). To update: change the figure, keep (or replace) the Source, and set
// AsOf to the day you checked. A SKU missing here is reported as "not priced".
var awsPrices = priceTable{
	Cloud: "aws",
	AsOf:  "2026-11-22",
	Regions: map[string]string{
		"us-east-1": "us-east",
		"us-east-2": "us-east",
		"eu-west-1": "eu-west",
	},
	DefaultRegion: "us-east-1",
	Rows: joinRows(
		group("eks", PerHour, "", "aws.amazon.com/eks/pricing/ (standard support, per cluster-hour)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"standard": 0.10,
			}),
		group("ec2", PerHour, "", "aws.amazon.com/ec2/pricing/on-demand/ (us-east-1, Linux, per instance-hour)",
			[]string{"us-east"}, map[string]float64{
				"t3.medium":   0.0416,
				"t3.large":    0.0832,
				"t3.xlarge":   0.1664,
				"m5.large":    0.096,
				"m5.xlarge":   0.192,
				"m5.2xlarge":  0.384,
				"m6i.large":   0.096,
				"m6i.xlarge":  0.192,
				"m6i.2xlarge": 0.384,
				"m7i.large":   0.1008,
				"m7i.xlarge":  0.2016,
				"m6g.large":   0.077,
				"m6g.xlarge":  0.154,
				"m7g.large":   0.0816,
				"m7g.xlarge":  0.1632,
				"c6i.xlarge":  0.17,
				"r6i.large":   0.126,
			}),
		group("ec2", PerHour, "", "aws.amazon.com/ec2/pricing/on-demand/ (eu-west-1, Linux, per instance-hour)",
			[]string{"eu-west"}, map[string]float64{
				"t3.medium":  0.0456,
				"t3.large":   0.0912,
				"m5.large":   0.107,
				"m5.xlarge":  0.214,
				"m6i.large":  0.107,
				"m6i.xlarge": 0.214,
			}),
		group("ebs", PerGBMonth, "", "aws.amazon.com/ebs/pricing/ (us-east-1, per GB-month)",
			[]string{"us-east"}, map[string]float64{
				"gp2": 0.10,
				"gp3": 0.08,
			}),
		group("ebs", PerGBMonth, "", "aws.amazon.com/ebs/pricing/ (eu-west-1, per GB-month)",
			[]string{"eu-west"}, map[string]float64{
				"gp2": 0.11,
				"gp3": 0.088,
			}),
		group("msk", PerHour, "data transfer", "aws.amazon.com/msk/pricing/ (us-east-1, per broker-hour)",
			[]string{"us-east"}, map[string]float64{
				"kafka.t3.small":   0.0456,
				"kafka.m5.large":   0.21,
				"kafka.m5.xlarge":  0.42,
				"kafka.m5.2xlarge": 0.84,
				"kafka.m7g.large":  0.204,
				"kafka.m7g.xlarge": 0.408,
			}),
		group("msk-storage", PerGBMonth, "", "aws.amazon.com/msk/pricing/ (us-east-1, broker storage per GB-month)",
			[]string{"us-east"}, map[string]float64{
				"storage": 0.10,
			}),
		// RDS for PostgreSQL, Single-AZ per instance-hour; Multi-AZ (one standby) is twice this.
		group("rds-postgres", PerHour, "backup storage beyond the DB size; I/O for io1", "aws.amazon.com/rds/postgresql/pricing/ (us-east-1, Single-AZ per instance-hour)",
			[]string{"us-east"}, map[string]float64{
				"db.t3.micro":   0.018,
				"db.t3.small":   0.036,
				"db.t3.medium":  0.072,
				"db.t3.large":   0.145,
				"db.t4g.micro":  0.016,
				"db.t4g.small":  0.032,
				"db.t4g.medium": 0.065,
				"db.t4g.large":  0.129,
				"db.m5.large":   0.178,
				"db.m6i.large":  0.178,
				"db.m6g.large":  0.159,
				"db.m7g.large":  0.168,
				"db.r6g.large":  0.225,
				"db.r5.large":   0.25,
			}),
		group("rds-storage", PerGBMonth, "", "aws.amazon.com/rds/postgresql/pricing/ (us-east-1, Single-AZ storage per GB-month; Multi-AZ twice)",
			[]string{"us-east"}, map[string]float64{
				"gp2": 0.115,
				"gp3": 0.115,
			}),
		group("elasticache", PerHour, "data transfer; backups beyond one", "aws.amazon.com/elasticache/pricing/ (us-east-1, on-demand per node-hour)",
			[]string{"us-east"}, map[string]float64{
				"cache.t3.micro":   0.017,
				"cache.t3.small":   0.034,
				"cache.t3.medium":  0.068,
				"cache.t4g.micro":  0.016,
				"cache.t4g.small":  0.032,
				"cache.t4g.medium": 0.065,
				"cache.m5.large":   0.156,
				"cache.m6g.large":  0.149,
				"cache.m7g.large":  0.158,
				"cache.r6g.large":  0.206,
				"cache.r7g.large":  0.219,
			}),
		group("nat-gateway", PerHour, "$0.045 per GB processed", "aws.amazon.com/vpc/pricing/ (us-east-1, per NAT gateway-hour)",
			[]string{"us-east"}, map[string]float64{
				"gateway": 0.045,
			}),
		group("nat-gateway", PerHour, "$0.048 per GB processed", "aws.amazon.com/vpc/pricing/ (eu-west-1, per NAT gateway-hour)",
			[]string{"eu-west"}, map[string]float64{
				"gateway": 0.048,
			}),
		group("public-ipv4", PerHour, "", "aws.amazon.com/vpc/pricing/ (public IPv4 address per hour, since 2024-02-01)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"address": 0.005,
			}),
		group("secretsmanager", PerMonth, "$0.05 per 10,000 API calls", "aws.amazon.com/secrets-manager/pricing/ (per secret-month)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"secret": 0.40,
			}),
		group("kms", PerMonth, "$0.03 per 10,000 requests", "aws.amazon.com/kms/pricing/ (customer managed key per month)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"key": 1.00,
			}),
		group("s3", PerMonth, "$0.023 per GB-month (Standard, first 50 TB) and requests", "aws.amazon.com/s3/pricing/ (no monthly fee for an empty bucket)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"bucket": 0,
			}),
		group("elb", PerHour, "per LCU-hour (traffic)", "aws.amazon.com/elasticloadbalancing/pricing/ (us-east-1, per load balancer-hour)",
			[]string{"us-east"}, map[string]float64{
				"application": 0.0225,
				"network":     0.0225,
				"classic":     0.025,
			}),
		group("cloudwatch-logs", PerMonth, "$0.50 per GB ingested; storage per GB-month", "aws.amazon.com/cloudwatch/pricing/ (no monthly fee for a log group)",
			[]string{"us-east"}, map[string]float64{
				"log-group": 0,
			}),
	),
}
