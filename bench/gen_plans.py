#!/usr/bin/env python3
"""Writes N varied connection plans into DIR for the lint benchmark.

About 10% are invalid in ways users get wrong (AZ names, a Standard cluster, an unquoted
account ID, a wrong region, an unknown key); the rest are valid. Deterministic (seeded).
usage: gen_plans.py DIR N
"""
import random
import sys
from pathlib import Path

REGIONS = {
    "us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1", "eu-central-1": "euc1",
    "ap-southeast-1": "apse1", "ap-northeast-1": "apne1",
}

PLAN = """# yaml-language-server: $schema=../schemas/plan.schema.json
version: 1
name: {name}
tidb:
  cluster_id: "{cluster}"
  cloud: aws
  region: {region}
  aws_account_id: {account}
  availability_zones: [{tidb_zones}]
confluent:
  environment: env-{env}
  network:
    id: n-{net}
    cloud: AWS
    connection_types: [PRIVATELINK]
    region: {net_region}
    zones: [{net_zones}]
    dns_subdomain: {prefix}-az1.dom{dns}.{region}.aws.confluent.cloud
  private_link_access:
    display_name: tidb-{name}
  cluster:
    display_name: {name}
    type: {kind}
    availability: MULTI_ZONE
    cku: {cku}
  vpc_service_endpoint: com.amazonaws.vpce.{region}.vpce-svc-{svc}
private_link_connection:
  display_name: confluent-{name}
  domains:
    type: CONFLUENT
    unique_name: dom{dns}.{region}
"""


def main() -> None:
    out, count = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    for i in range(count):
        region = rng.choice(list(REGIONS))
        prefix = REGIONS[region]
        zones = [f"{prefix}-az{n}" for n in rng.sample(range(1, 7), 3)]
        fields = dict(
            name=f"conn-{i:05d}", cluster=str(rng.randrange(10**19, 10**20)), region=region,
            account=f'"{rng.randrange(10**11, 10**12)}"', tidb_zones=", ".join(zones),
            env=f"{rng.randrange(16**6):06x}", net=f"{rng.randrange(16**6):06x}", net_region=region,
            net_zones=", ".join(zones), prefix=prefix, dns=f"{rng.randrange(36**8):x}",
            kind="dedicated", cku=rng.choice([2, 3, 4]), svc=f"{rng.randrange(16**17):017x}",
        )
        if i % 10 == 9:
            mistake = rng.randrange(5)
            if mistake == 0:
                fields["tidb_zones"] = f"{region}a, {region}b"
            elif mistake == 1:
                fields["kind"] = "standard"
            elif mistake == 2:
                fields["account"] = str(rng.randrange(10**11, 10**12))
            elif mistake == 3:
                fields["net_region"] = "us-east-2" if region != "us-east-2" else "us-west-1"
            else:
                fields["cku"] = "two"
        (out / f"plan-{i:05d}.yaml").write_text(PLAN.format(**fields))


if __name__ == "__main__":
    main()
