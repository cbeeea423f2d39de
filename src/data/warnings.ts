// Where the data pipeline's warnings go (spec §8: invalid boxes, unknown classes, unreadable files are reported,
// not fatal). A collector keeps every message, forwards the first few to a sink and summarizes the rest.

export type WarningSink = (message: string) => void;

export const consoleSink: WarningSink = (m) => console.warn(`ssdkit: ${m}`);

export class DataWarnings {
  readonly messages: string[] = [];
  #sink: WarningSink;
  #limit: number;

  /** `limit`: how many messages reach the sink before the rest are only counted. */
  constructor(sink: WarningSink = consoleSink, limit = 20) {
    this.#sink = sink;
    this.#limit = limit;
  }

  warn(message: string): void {
    this.messages.push(message);
    if (this.messages.length <= this.#limit) this.#sink(message);
  }

  get count(): number {
    return this.messages.length;
  }

  /** Tells the sink how many messages were held back, if any. */
  flush(context: string): void {
    const held = this.messages.length - this.#limit;
    if (held > 0) this.#sink(`${context}: ${held} more warnings not shown (${this.messages.length} in all)`);
  }
}
