/**
 * Text width without a canvas. Vega's fallback guesses 0.8 em for every character, which pushes axis titles
 * far from their labels and spreads legends; Helvetica's widths (Arial and Liberation Sans share them, and the
 * charts ask for those fonts) make the server-side layout match what a browser draws.
 */

// Helvetica advance widths in 1/1000 em for ASCII 32..126 (Adobe AFM).
const WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 : ; < = > ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A-O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [ \ ] ^ _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a-o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z { | } ~
];
const DEFAULT_WIDTH = 556;
/** Helvetica Bold is about 8% wider on average. */
const BOLD_FACTOR = 1.08;

export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? WIDTHS[code - 32]! : DEFAULT_WIDTH;
  }
  return (units / 1000) * fontSize * (bold ? BOLD_FACTOR : 1);
}
