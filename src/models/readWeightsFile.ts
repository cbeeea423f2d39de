// Reading a weights file whole, with the error every weight reader gives: "<path>: no such file" or
// "<path>: <system message>", as the reader's own error class.
import { readFileSync } from 'node:fs';

/** The bytes of `path`; a file that cannot be read throws `makeError(message)` naming it. */
export function readWeightsFile(path: string, makeError: (message: string) => Error): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw makeError(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`);
  }
}
