"""Prepare a moto S3 server for linkplan's S3 tests: a user with an access key that may use S3,
and the test bucket. moto must run with INITIAL_NO_AUTH_ACTION_COUNT=4: these four requests are
the unauthenticated ones; from then on every request must be signed with the key made here, so
the tests can check what a wrong key gets. Prints the `export` lines for the tests."""
import json
import sys

import boto3

endpoint, bucket = sys.argv[1], sys.argv[2]
anonymous = dict(endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **anonymous)
iam.create_user(UserName="linkplan-test")
key = iam.create_access_key(UserName="linkplan-test")["AccessKey"]
iam.put_user_policy(UserName="linkplan-test", PolicyName="s3", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}],
}))
s3 = boto3.client("s3", **anonymous)
s3.create_bucket(Bucket=bucket)
print(f"export LINKPLAN_TEST_S3_ENDPOINT={endpoint}")
print(f"export LINKPLAN_TEST_S3_BUCKET={bucket}")
print(f"export LINKPLAN_TEST_S3_ACCESS_KEY_ID={key['AccessKeyId']}")
print(f"export LINKPLAN_TEST_S3_SECRET_ACCESS_KEY={key['SecretAccessKey']}")
