// Writes a Brotli (.br) and a gzip (.gz) copy next to every text asset of the build, once, at
// the highest settings, so that the server can send them without compressing on each request.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);

    if (entry.isDirectory() && !entry.name.startsWith('.')) yield* files(file);
    else if (/\.(js|css|html|svg|json)$/.test(entry.name)) yield file;
  }
}

for await (const file of files(dist)) {
  const content = await readFile(file);

  await writeFile(
    `${file}.br`,
    await brotli(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  await writeFile(`${file}.gz`, await gzip(content, { level: 9 }));
}
