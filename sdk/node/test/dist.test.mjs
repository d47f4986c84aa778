// The committed dist/ is what src/ builds to, and the package resolves from both module systems.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

import { sourceHash } from "../scripts/build.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

test("dist/BUILD_INFO.json records the hash of the current src/ (run npm run build)", () => {
  const info = JSON.parse(readFileSync(join(ROOT, "dist", "BUILD_INFO.json"), "utf8"));
  assert.equal(info.sourceHash, sourceHash());
});

test("a rebuild into a temporary directory equals the committed dist/", (t) => {
  if (!existsSync(join(ROOT, "node_modules", "typescript"))) {
    t.diagnostic("TypeScript is not installed (npm install): only the source hash was compared");
    return;
  }
  const done = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(done.status, 0, done.stdout + done.stderr);
});

test("import and require both resolve @vocalia/sdk, with types, to the same API", async () => {
  const esm = await import("@vocalia/sdk");
  const cjs = createRequire(import.meta.url)("@vocalia/sdk");
  assert.equal(esm.VERSION, pkg.version);
  assert.equal(cjs.VERSION, pkg.version);
  assert.deepEqual(Object.keys(cjs).filter((k) => k !== "__esModule").sort(), Object.keys(esm).sort());
  assert.equal(typeof esm.VocalIA, "function");
  assert.equal(esm.default, esm.VocalIA);
  for (const flavour of ["import", "require"]) {
    const entry = pkg.exports["."][flavour];
    assert.ok(existsSync(join(ROOT, entry.types)), entry.types);
    assert.ok(existsSync(join(ROOT, entry.default)), entry.default);
  }
  assert.equal(JSON.parse(readFileSync(join(ROOT, "dist/esm/package.json"), "utf8")).type, "module");
  assert.equal(JSON.parse(readFileSync(join(ROOT, "dist/cjs/package.json"), "utf8")).type, "commonjs");
});

test("no runtime dependency, development ones pinned exactly", () => {
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.peerDependencies, undefined);
  for (const [name, version] of Object.entries(pkg.devDependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name}@${version} is not pinned`);
  }
});
