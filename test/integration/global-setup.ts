/** One DynamoDB Local JVM and one fauxqs for the whole integration run; test files isolate by table and queue prefix. */
import type { TestProject } from 'vitest/node';
import { startEngines, type Engines } from '../../bin/local-engines.ts';

let engines: Engines | undefined;

export async function setup(project: TestProject): Promise<void> {
  engines = await startEngines();
  project.provide('engines', { dynamoEndpoint: engines.dynamoEndpoint, sqsEndpoint: engines.sqsEndpoint });
}

export async function teardown(): Promise<void> {
  await engines?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    engines: { dynamoEndpoint: string; sqsEndpoint: string };
  }
}
