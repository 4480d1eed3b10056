import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadConfigOrExit } from '../config.js';
import { fileInput, type ImportProgress, importHistorian } from '../importers/historian/import-service.js';
import { formatReport } from '../importers/historian/report.js';
import { prepareOrExit } from './prepare-or-exit.js';

// npm run import -- historian [--overwrite-edits] [--remove-missing] <file-or-folder>...
// Imports Office of the Historian XML (travels or visits, told apart by their root element) into DATABASE_URL or DATABASE_PATH:
// a folder means every .xml file in it and below, in name order. Shows a progress bar on a terminal and plain
// lines otherwise, then the report. Exits 1 when a file could not be imported, 2 on a usage error.
//   --overwrite-edits  write over rows edited by hand since the import wrote them (by default they are kept)
//   --remove-missing   remove the stops of records their file no longer holds (by default they are kept)

const USAGE = 'usage: npm run import -- historian [--overwrite-edits] [--remove-missing] <file-or-folder>...';
const FLAGS = { '--overwrite-edits': 'overwriteEdits', '--remove-missing': 'removeMissing' } as const;

const [source, ...args] = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const paths = args.filter((a) => !a.startsWith('--'));
const unknown = flags.filter((f) => !(f in FLAGS));
if (source !== 'historian' || paths.length === 0 || unknown.length > 0) {
  if (unknown.length > 0) console.error(`unknown option: ${unknown.join(', ')}`);
  console.error(USAGE);
  process.exit(2);
}
const options = Object.fromEntries(flags.map((f) => [FLAGS[f as keyof typeof FLAGS], true]));

/** The XML files a path stands for; a path that is neither file nor folder is kept, to be reported as missing. */
function filesOf(path: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return [path];
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = join(path, entry.name);
      if (entry.isDirectory()) return filesOf(full);
      return entry.name.toLowerCase().endsWith('.xml') ? [full] : [];
    });
}

const files = paths.flatMap(filesOf);
const config = loadConfigOrExit();
// Seed first, as the server would, so that records of the seeded journey are matched to it, not entered twice.
const { database } = await prepareOrExit(config, config.SEED_ON_START ? 'if-empty' : 'never');
let exitCode = 0;
try {
  const bar = process.stdout.isTTY
    ? new SingleBar({
        format: 'importing [{bar}] {value}/{total} files | {records} records | {file}',
        hideCursor: true,
        clearOnComplete: true,
      })
    : null;
  let records = 0;
  bar?.start(files.length, 0, { records, file: '' });
  const onProgress = (p: ImportProgress) => {
    records += p.records;
    if (bar) bar.update(p.done, { records, file: p.file });
    else console.log(`[${p.done}/${p.total}] ${p.file}: ${p.records} records, ${p.status}`);
  };
  const report = await importHistorian(database.as('command:import'), files.map(fileInput), {
    ...options,
    onProgress,
  });
  bar?.stop();
  console.log(formatReport(report));
  if (report.flagged.some((f) => f.severity === 'error')) exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
