#!/usr/bin/env python3
"""Write a fixture with N instances in one account (default 100000) to stdout, for the
paging benchmark: scripts/big_fixture.py 100000 > /tmp/big.json"""
import json, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
doc = json.load(open(__file__.rsplit("/", 2)[0] + "/fixtures/default.json"))
acct = doc["Accounts"][0]["AccountId"]
doc["Accounts"][0]["Quotas"] = []
statuses = ["Running", "Stopped"]
doc["Instances"] = [
    {"InstanceId": f"i-bp1big{i:015d}", "AccountId": acct, "RegionId": "cn-hangzhou",
     "ZoneId": "cn-hangzhou-h", "InstanceType": "ecs.g7.large", "Status": statuses[i % 2],
     "InstanceName": f"big-{i}", "Tags": {"Tag": [{"TagKey": "shard", "TagValue": str(i % 10)}]}}
    for i in range(n)
]
json.dump(doc, sys.stdout)
