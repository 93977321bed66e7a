/** Watches a directory tree and calls `onChange` once a burst of changes has settled. */
import { watch } from 'node:fs';

export interface DebouncedWatch {
  close(): void;
}

export function watchDebounced(
  dir: string,
  delayMs: number,
  onChange: () => void,
  onError: (error: Error) => void,
  ignore: (name: string) => boolean = () => false,
): DebouncedWatch {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    if (name && ignore(name)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, delayMs);
  });
  watcher.on('error', onError);
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
