// Copy the front-end libraries Yingji serves itself (no CDN) from node_modules into
// yingji/static/vendor/. Run after `npm ci`; the output directory is generated and git-ignored.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "yingji", "static", "vendor");

// [package, file or directory inside the package, destination inside vendor/]
const COPIES = [
  ["leaflet", "dist/leaflet.js", "leaflet/leaflet.js"],
  // leaflet.js names its source map; the hashed-manifest storage of production follows that reference.
  ["leaflet", "dist/leaflet.js.map", "leaflet/leaflet.js.map"],
  ["leaflet", "dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet", "dist/images", "leaflet/images"],
  ["leaflet", "LICENSE", "leaflet/LICENSE"],
  ["htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"],
  ["htmx.org", "LICENSE", "htmx/LICENSE"],
  ["echarts", "dist/echarts.min.js", "echarts/echarts.min.js"],
  ["echarts", "LICENSE", "echarts/LICENSE"],
];

function version(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
}

if (!existsSync(modules)) {
  console.error("node_modules/ is missing: run `npm ci` first.");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
const versions = {};
for (const [pkg, source, target] of COPIES) {
  const from = join(modules, pkg, source);
  if (!existsSync(from)) {
    console.error(`missing ${pkg}/${source}; is the pinned version installed?`);
    process.exit(1);
  }
  const to = join(out, target);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
  versions[pkg] = version(pkg);
}
writeFileSync(join(out, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(`vendor assets copied to ${out}:`, versions);
