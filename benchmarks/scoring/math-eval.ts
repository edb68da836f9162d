/**
 * A small, safe evaluator for the arithmetic a normalised MATH answer may be: numbers,
 * `\frac{}{}`, `\sqrt{}` / `\sqrt[n]{}`, `\pi`, `\infty`, `+ - * / ^`, `\cdot`, `\times`, `\div`,
 * parentheses, braces, implicit products (`2\pi`, `3\sqrt{2}`) and mixed numbers (`2\frac{1}{2}`).
 * Anything else (a variable, an unknown command) makes the whole value unknown (null):
 * never eval(), and never guess.
 */

class Unknown extends Error {
  override name = 'Unknown';
}

class Parser {
  private i = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  parse(): number {
    const v = this.expr();
    if (this.i !== this.s.length) throw new Unknown(`trailing input at ${this.i}`);
    return v;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private command(): string | null {
    const m = /^\\[A-Za-z]+/.exec(this.s.slice(this.i));
    return m === null ? null : m[0];
  }

  private eat(token: string): boolean {
    if (this.s.startsWith(token, this.i)) {
      this.i += token.length;
      return true;
    }
    return false;
  }

  private expr(): number {
    let v = this.term();
    for (;;) {
      if (this.eat('+')) v += this.term();
      else if (this.eat('-')) v -= this.term();
      else return v;
    }
  }

  private term(): number {
    let v = this.unary();
    for (;;) {
      if (this.eat('*') || this.eat('\\cdot') || this.eat('\\times')) v *= this.unary();
      else if (this.eat('/') || this.eat('\\div')) v /= this.unary();
      else if (this.startsPrimary()) v *= this.power(); // implicit product: 2\pi, 3(4), 2\sqrt{3}
      else return v;
    }
  }

  private startsPrimary(): boolean {
    const ch = this.peek();
    if (ch === '(' || ch === '{') return true;
    const cmd = this.command();
    return cmd === '\\frac' || cmd === '\\sqrt' || cmd === '\\pi' || cmd === '\\infty';
  }

  private unary(): number {
    if (this.eat('-')) return -this.unary();
    if (this.eat('+')) return this.unary();
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (this.eat('^')) {
      const exp = this.peek() === '{' ? this.group('{', '}') : this.unaryAtom();
      return base ** exp;
    }
    return base;
  }

  /** An exponent without braces is one token: `2^3`, `2^-1`. */
  private unaryAtom(): number {
    if (this.eat('-')) return -this.unaryAtom();
    return this.primary();
  }

  private group(open: string, close: string): number {
    if (!this.eat(open)) throw new Unknown(`expected ${open}`);
    const v = this.expr();
    if (!this.eat(close)) throw new Unknown(`expected ${close}`);
    return v;
  }

  private primary(): number {
    const ch = this.peek();
    if (ch === undefined) throw new Unknown('unexpected end');
    if (ch === '(') return this.group('(', ')');
    if (ch === '{') return this.group('{', '}');
    if (ch === '[') return this.group('[', ']');
    if (/[\d.]/.test(ch)) return this.number();
    const cmd = this.command();
    if (cmd === null) throw new Unknown(`unknown token at ${this.i}`);
    switch (cmd) {
      case '\\frac': {
        this.i += cmd.length;
        const num = this.group('{', '}');
        return num / this.group('{', '}');
      }
      case '\\sqrt': {
        this.i += cmd.length;
        const index = this.peek() === '[' ? this.group('[', ']') : 2;
        const radicand = this.group('{', '}');
        if (radicand < 0 && index === 2) throw new Unknown('complex root');
        return index === 2 ? Math.sqrt(radicand) : Math.sign(radicand) * Math.abs(radicand) ** (1 / index);
      }
      case '\\pi':
        this.i += cmd.length;
        return Math.PI;
      case '\\infty':
        this.i += cmd.length;
        return Infinity;
      default:
        throw new Unknown(`unknown token at ${this.i}`);
    }
  }

  private number(): number {
    const m = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(this.s.slice(this.i));
    if (m === null) throw new Unknown('bad number');
    this.i += m[0].length;
    const value = Number(m[0]);
    // A mixed number: an integer directly followed by a fraction of integers means a sum.
    const mixed = /^\\frac\{(\d+)\}\{(\d+)\}/.exec(this.s.slice(this.i));
    if (/^\d+$/.test(m[0]) && mixed !== null) {
      this.i += mixed[0].length;
      return value + Number(mixed[1]) / Number(mixed[2]);
    }
    return value;
  }
}

/** The numeric value of a normalised answer, or null when it is not plain arithmetic. */
export function evaluateMath(s: string): number | null {
  if (s === '') return null;
  try {
    const v = new Parser(s).parse();
    return Number.isNaN(v) ? null : v;
  } catch (err) {
    if (err instanceof Unknown) return null;
    throw err;
  }
}
