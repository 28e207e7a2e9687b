// The built addon exports exactly what src/native-types.ts declares (a stale or partial build
// would otherwise fail only when a missing function is first called).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { native } from '../src/native.js';
import { binaryOpNames, reduceOpNames, unaryOpNames } from '../src/op-codes.js';

function declaredMembers(): string[] {
  const source = readFileSync(fileURLToPath(new URL('../src/native-types.ts', import.meta.url)), 'utf8');
  const start = source.indexOf('export interface NativeAddon {');
  expect(start).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf('\n}', start));
  return [...body.matchAll(/^ {2}(\w+)\s*[(:]/gm)].map((m) => m[1]);
}

describe('native exports', () => {
  const declared = declaredMembers();
  const exported = Object.keys(native());

  it('every declared member exists on the addon', () => {
    expect(declared.length).toBeGreaterThan(90);
    expect(declared.filter((name) => !exported.includes(name))).toEqual([]);
  });

  it('every addon export is declared', () => {
    expect(exported.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('functions are functions and the op tables are the lists op-codes.ts expects', () => {
    const addon = native() as unknown as Record<string, unknown>;
    const tables = new Set(['unaryOps', 'binaryOps', 'reduceOps']);
    expect(declared.filter((name) => !tables.has(name) && typeof addon[name] !== 'function')).toEqual([]);
    expect(addon.unaryOps).toEqual([...unaryOpNames]);
    expect(addon.binaryOps).toEqual([...binaryOpNames]);
    expect(addon.reduceOps).toEqual([...reduceOpNames]);
  });
});
