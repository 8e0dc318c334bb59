/**
 * A streaming reader of one JSON document whose `entry` array may be any size (a Bundle): the top-level members
 * other than `entry` are collected (they are small), and each element of `entry` is parsed and handed on as soon
 * as its closing brace arrives, so memory holds one entry at a time, never the document.
 * Only the two outer levels are parsed here; everything inside a member or an entry is left to JSON.parse.
 */

type State = 'start' | 'key' | 'keyString' | 'colon' | 'value' | 'member' | 'entries' | 'entry' | 'afterMember' | 'end';

export class BundleStreamError extends Error {}

export class BundleEntryScanner {
  /** The top-level members other than `entry` (resourceType, type, id, meta...). */
  readonly header: Record<string, unknown> = {};
  private state: State = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private key = '';
  private parts: string[] = [];
  private position = 0;

  constructor(private readonly onEntry: (entry: unknown) => void) {}

  /** Feeds the next piece of text (split anywhere, even inside a string). */
  write(chunk: string): void {
    let from = this.capturing() ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.state) {
        case 'member':
        case 'entry': {
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 0x5c) this.escaped = true;
            else if (c === 0x22) this.inString = false;
            continue;
          }
          if (c === 0x22) this.inString = true;
          else if (c === 0x7b || c === 0x5b) this.depth++;
          else if ((c === 0x7d || c === 0x5d) && this.depth > (this.state === 'member' ? 1 : 2)) this.depth--;
          else if ((c === 0x2c || c === 0x7d || c === 0x5d) && this.depth === (this.state === 'member' ? 1 : 2)) {
            this.parts.push(chunk.slice(from, i));
            from = -1;
            this.finishValue(c);
          }
          continue;
        }
        case 'keyString':
          if (this.escaped) this.escaped = false;
          else if (c === 0x5c) this.escaped = true;
          else if (c === 0x22) {
            this.parts.push(chunk.slice(from, i + 1));
            from = -1;
            this.key = JSON.parse(this.parts.join('')) as string;
            this.parts = [];
            this.state = 'colon';
          }
          continue;
        default:
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
          from = this.structural(c, chunk[i], i, from);
      }
    }
    if (from >= 0) this.parts.push(chunk.slice(from));
    this.position += chunk.length;
  }

  /** Throws when the document ended early. */
  end(): void {
    if (this.state !== 'end') throw new BundleStreamError(`The JSON document ends early (at character ${this.position})`);
  }

  private capturing(): boolean {
    return this.state === 'member' || this.state === 'entry' || this.state === 'keyString';
  }

  /** Punctuation between members and entries; returns where a capture starts in the chunk (or -1). */
  private structural(c: number, char: string, i: number, from: number): number {
    const fail = (what: string) => new BundleStreamError(`Not a JSON object with an entry array: ${what} at character ${this.position + i}`);
    switch (this.state) {
      case 'start':
        if (c !== 0x7b) throw fail(`"${char}"`);
        this.depth = 1;
        this.state = 'key';
        return from;
      case 'key':
        if (c === 0x7d && Object.keys(this.header).length === 0) return this.close();
        if (c !== 0x22) throw fail(`"${char}" where a member name belongs`);
        this.state = 'keyString';
        return i;
      case 'colon':
        if (c !== 0x3a) throw fail(`"${char}" where ":" belongs`);
        this.state = 'value';
        return from;
      case 'value':
        if (this.key === 'entry' && c === 0x5b) {
          this.depth = 2;
          this.state = 'entries';
          return from;
        }
        return this.startValue('member', c, i);
      case 'entries':
        if (c === 0x2c) return from;
        if (c === 0x5d) {
          this.depth = 1;
          this.state = 'afterMember';
          return from;
        }
        return this.startValue('entry', c, i);
      case 'afterMember':
        if (c === 0x2c) this.state = 'key';
        else if (c === 0x7d) return this.close();
        else throw fail(`"${char}" after a member`);
        return from;
      default:
        throw fail(`"${char}" after the end of the document`);
    }
  }

  private startValue(state: 'member' | 'entry', c: number, i: number): number {
    this.state = state;
    this.parts = [];
    if (c === 0x22) this.inString = true;
    else if (c === 0x7b || c === 0x5b) this.depth++;
    return i;
  }

  private finishValue(c: number): void {
    const text = this.parts.join('');
    this.parts = [];
    const value = JSON.parse(text) as unknown;
    if (this.state === 'member') {
      if (this.key !== '__proto__') this.header[this.key] = value;
      if (c === 0x2c) this.state = 'key';
      else this.close();
      return;
    }
    this.onEntry(value);
    if (c === 0x5d) {
      this.depth = 1;
      this.state = 'afterMember';
    } else {
      this.state = 'entries';
    }
  }

  private close(): number {
    this.depth = 0;
    this.state = 'end';
    return -1;
  }
}
