// Copies the browser builds of the npm dependencies into the static folder served by
// the app. Runs as npm's postinstall step; the copies are build output, not source.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "platform", "web", "static", "vendor");
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
];

mkdirSync(vendor, { recursive: true });
for (const [source, target] of files) {
  copyFileSync(join(root, "node_modules", source), join(vendor, target));
}
console.log(`copied ${files.length} vendor file(s) to ${vendor}`);
