#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts files, from src/.
//
//   node scripts/build.mjs            rebuild dist/ (what `npm run build` runs)
//   node scripts/build.mjs --out DIR  build into DIR instead
//   node scripts/build.mjs --check    build into a temporary directory and fail when any file
//                                     differs from the committed dist/ (dist is out of date)
//
// dist/BUILD_INFO.json records a hash of the inputs (src/, tsconfig*.json, the TypeScript
// version), so test/dist.test.mjs can tell a stale dist even where TypeScript is not installed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TSC = join(ROOT, "node_modules", "typescript", "lib", "tsc.js");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** The hash of everything the build reads; TypeScript's version is part of it. */
export function sourceHash(root = ROOT) {
  const hash = createHash("sha256");
  const inputs = [
    ...files(join(root, "src")),
    ...readdirSync(root).filter((f) => /^tsconfig.*\.json$/.test(f)).sort().map((f) => join(root, f)),
  ];
  for (const file of inputs) {
    hash.update(relative(root, file).split("\\").join("/") + "\0");
    hash.update(readFileSync(file, "utf8").replace(/\r\n/g, "\n") + "\0");
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  hash.update(`typescript@${pkg.devDependencies.typescript}`);
  return hash.digest("hex");
}

function build(out) {
  if (!existsSync(TSC)) {
    console.error("TypeScript is not installed: run `npm install` in sdk/node first");
    process.exit(2);
  }
  rmSync(out, { recursive: true, force: true });
  for (const [flavour, type] of [["esm", "module"], ["cjs", "commonjs"]]) {
    execFileSync(process.execPath, [TSC, "-p", join(ROOT, `tsconfig.${flavour}.json`), "--outDir", join(out, flavour)], {
      stdio: "inherit",
    });
    // Each half says what its .js files are, whatever the root package.json says.
    writeFileSync(join(out, flavour, "package.json"), JSON.stringify({ type }, null, 2) + "\n");
  }
  writeFileSync(join(out, "BUILD_INFO.json"), JSON.stringify({ sourceHash: sourceHash() }, null, 2) + "\n");
}

function compare(expected, actual) {
  const list = (dir) => (existsSync(dir) ? files(dir).map((f) => relative(dir, f)) : []);
  const want = list(expected);
  const have = list(actual);
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing: dist/${f}`);
    else if (readFileSync(join(expected, f), "utf8") !== readFileSync(join(actual, f), "utf8")) {
      problems.push(`differs: dist/${f}`);
    }
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not built from src: dist/${f}`);
  return problems;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  if (args.includes("--check")) {
    const tmp = mkdtempSync(join(tmpdir(), "vocalia-sdk-dist-"));
    try {
      build(join(tmp, "dist"));
      const problems = compare(join(tmp, "dist"), join(ROOT, "dist"));
      if (problems.length) {
        console.error("dist/ is out of date with src/ (run `npm run build`):\n  " + problems.join("\n  "));
        process.exit(1);
      }
      console.log("dist/ is up to date with src/");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } else {
    const at = args.indexOf("--out");
    const out = at >= 0 ? args[at + 1] : join(ROOT, "dist");
    mkdirSync(dirname(out), { recursive: true });
    build(out);
  }
}
