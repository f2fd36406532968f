import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ATTACHMENTS } from '../functions/spec.ts';

/** Where SES's S3 receipt action may write raw inbound mail in the attachments bucket. */
export const SES_INBOUND_PREFIX = 'inbound/';

/** The private, encrypted bucket for email attachments (and SES S3-action mail), with its access-log bucket. */
export class AttachmentStorage extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(logs, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket of the attachments bucket; logging it to itself would loop.' },
    ]);
    this.bucket = new s3.Bucket(this, 'Attachments', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'attachments/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-attachments', prefix: ATTACHMENTS.prefix, expiration: Duration.days(ATTACHMENTS.expireDays) },
        { id: 'expire-inbound-mail', prefix: SES_INBOUND_PREFIX, expiration: Duration.days(30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    // SES receipt rules (S3 action) may write raw mail under inbound/ from this account only.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesInboundMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${SES_INBOUND_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
