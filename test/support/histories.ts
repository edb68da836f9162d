// History fixtures as plain JSON (protobufjs toObject: enum names, longs and bytes as strings) and back.
// Not historyToJSON/historyFromJSON from @temporalio/common: in this install @temporalio/common and
// @temporalio/proto each carry their own protobufjs, and its proto3-JSON codec rejects the other's types.
import { readFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';

const History = proto.temporal.api.history.v1.History;

export function historyToFixture(history: temporal.api.history.v1.IHistory): Record<string, unknown> {
  return History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
}

export async function readHistoryFixture(path: string): Promise<temporal.api.history.v1.History> {
  return History.fromObject(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>);
}
