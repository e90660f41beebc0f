/**
 * The keys that appear more than once in the same object of a JSON text (`a.b` paths), which
 * `JSON.parse` would silently collapse to the last value. Assumes the text is valid JSON (the
 * body parser checks that too); stops early on anything else. Linear, no allocation per value.
 */
export function findDuplicateKeys(text: string): string[] {
  const duplicates: string[] = [];
  // One frame per open object or array: the keys seen, and the key that leads to it.
  const stack: { keys: Set<string> | null; path: string }[] = [];
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const frame = stack.at(-1);
      if (expectKey && frame?.keys) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return duplicates;
        }
        const path = frame.path ? `${frame.path}.${key}` : key;
        if (frame.keys.has(key)) duplicates.push(path);
        frame.keys.add(key);
        lastKey = path;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push({ keys: new Set(), path: stack.length ? lastKey : '' });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ keys: null, path: lastKey });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack.at(-1)?.keys != null;
    }
  }
  return duplicates;
}
