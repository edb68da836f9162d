/**
 * Writes the small synthetic datasets under data/samples/ that the offline demo suite runs on.
 * Every item is invented here; none is copied from GSM8K, MATH or RouterBench. Dev-only (uses hyparquet-writer).
 * Run from the repo root: node datasets/make-samples.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

const OUT = join(import.meta.dirname, '..', 'data', 'samples');

function write(rel: string, data: string | Uint8Array): void {
  const path = join(OUT, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

function jsonl(rows: readonly object[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** GSM8K shape: `answer` is a worked solution with `<<a op b=c>>` calculator notes, ending in `#### N`. */
interface WordProblem {
  readonly question: string;
  readonly steps: readonly string[];
  readonly final: string;
}

function gsm8kParquet(rel: string, items: readonly WordProblem[]): void {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'question', data: items.map((i) => i.question), type: 'STRING' },
      { name: 'answer', data: items.map((i) => `${i.steps.join('\n')}\n#### ${i.final}`), type: 'STRING' },
    ],
  });
  write(rel, new Uint8Array(buffer));
}

const GSM8K_TEST: readonly WordProblem[] = [
  {
    question: 'A farmer picks 12 apples in the morning and 17 in the afternoon. He sells 9 of them at the market. How many apples does he have left?',
    steps: ['He picks 12+17=<<12+17=29>>29 apples.', 'After selling 9 he has 29-9=<<29-9=20>>20 apples left.'],
    final: '20',
  },
  {
    question: 'A library has 8 shelves with 35 books on each shelf. It lends out 47 books. How many books remain on the shelves?',
    steps: ['The shelves hold 8*35=<<8*35=280>>280 books.', 'After lending, 280-47=<<280-47=233>>233 books remain.'],
    final: '233',
  },
  {
    question: 'Maria buys 3 notebooks at $4 each and 2 pens at $1.50 each. She pays with a $20 bill. How much change does she get?',
    steps: [
      'The notebooks cost 3*4=<<3*4=12>>12 dollars.',
      'The pens cost 2*1.5=<<2*1.5=3>>3 dollars.',
      'She spends 12+3=<<12+3=15>>15 dollars, so her change is 20-15=<<20-15=5>>5 dollars.',
    ],
    final: '5',
  },
  {
    question: 'A train travels at 60 miles per hour for 2.5 hours. How many miles does it travel?',
    steps: ['The train travels 60*2.5=<<60*2.5=150>>150 miles.'],
    final: '150',
  },
  {
    question: 'A class of 28 students splits into teams of 4. Each team needs 3 markers. How many markers are needed?',
    steps: ['There are 28/4=<<28/4=7>>7 teams.', 'They need 7*3=<<7*3=21>>21 markers.'],
    final: '21',
  },
  {
    question: 'Jenna runs 3 miles on each weekday and 5 miles on each day of the weekend. How many miles does she run in a week?',
    steps: ['On weekdays she runs 5*3=<<5*3=15>>15 miles.', 'On the weekend she runs 2*5=<<2*5=10>>10 miles.', 'In total she runs 15+10=<<15+10=25>>25 miles.'],
    final: '25',
  },
  {
    question: 'A tank holds 240 liters. It is filled to one quarter, then 90 more liters are added. How many liters are in the tank now?',
    steps: ['One quarter of the tank is 240/4=<<240/4=60>>60 liters.', 'After adding 90 liters there are 60+90=<<60+90=150>>150 liters.'],
    final: '150',
  },
  {
    question: 'Leo earns $15 an hour. He works 6 hours on Saturday and 4 hours on Sunday, then spends $38 on a game. How much of his weekend pay is left?',
    steps: ['Leo works 6+4=<<6+4=10>>10 hours.', 'He earns 10*15=<<10*15=150>>150 dollars.', 'After the game he has 150-38=<<150-38=112>>112 dollars.'],
    final: '112',
  },
  {
    question: 'A bakery makes 144 cookies and packs them in boxes of 12. It sells each box for $6. How much money does it make if it sells every box?',
    steps: ['The bakery fills 144/12=<<144/12=12>>12 boxes.', 'It makes 12*6=<<12*6=72>>72 dollars.'],
    final: '72',
  },
  {
    question: 'The temperature was 5 degrees at noon and fell 3 degrees each hour for 4 hours. What was the temperature then?',
    steps: ['The temperature falls 3*4=<<3*4=12>>12 degrees.', 'It ends at 5-12=<<5-12=-7>>-7 degrees.'],
    final: '-7',
  },
  {
    question: 'A store sells a jacket for $80. During a sale it takes 25% off. What is the sale price in dollars?',
    steps: ['The discount is 80*0.25=<<80*0.25=20>>20 dollars.', 'The sale price is 80-20=<<80-20=60>>60 dollars.'],
    final: '60',
  },
  {
    question: 'A pool is 25 meters long. Priya swims 14 lengths. How many meters does she swim?',
    steps: ['She swims 25*14=<<25*14=350>>350 meters.'],
    final: '350',
  },
  {
    question: 'A factory produces 1,250 bolts a day. How many bolts does it produce in 8 days?',
    steps: ['In 8 days the factory makes 1250*8=<<1250*8=10000>>10,000 bolts.'],
    final: '10,000',
  },
  {
    question: 'Omar has 3 times as many stickers as Ben. Ben has 14 stickers. How many stickers do they have together?',
    steps: ['Omar has 3*14=<<3*14=42>>42 stickers.', 'Together they have 42+14=<<42+14=56>>56 stickers.'],
    final: '56',
  },
  {
    question: 'A recipe uses 2 cups of flour for 12 muffins. How many cups of flour are needed for 30 muffins?',
    steps: ['30 muffins is 30/12=<<30/12=2.5>>2.5 batches.', 'They need 2.5*2=<<2.5*2=5>>5 cups of flour.'],
    final: '5',
  },
  {
    question: 'A parking lot has 6 rows of 18 spaces. 71 cars are parked. How many spaces are empty?',
    steps: ['The lot has 6*18=<<6*18=108>>108 spaces.', 'There are 108-71=<<108-71=37>>37 empty spaces.'],
    final: '37',
  },
];

const GSM8K_TRAIN: readonly WordProblem[] = [
  {
    question: 'Nina has 7 red balloons and 5 blue balloons. 4 balloons pop. How many balloons does she have now?',
    steps: ['She has 7+5=<<7+5=12>>12 balloons.', 'After 4 pop she has 12-4=<<12-4=8>>8 balloons.'],
    final: '8',
  },
  { question: 'A box holds 24 crayons. How many crayons are in 5 boxes?', steps: ['5 boxes hold 24*5=<<24*5=120>>120 crayons.'], final: '120' },
  {
    question: 'Carlos walks 2 km to school and 2 km back each day. How far does he walk in 5 days?',
    steps: ['Each day he walks 2+2=<<2+2=4>>4 km.', 'In 5 days he walks 4*5=<<4*5=20>>20 km.'],
    final: '20',
  },
  {
    question: 'A shirt costs $18 and a hat costs $7. How much do 2 shirts and 1 hat cost?',
    steps: ['Two shirts cost 2*18=<<2*18=36>>36 dollars.', 'With the hat the total is 36+7=<<36+7=43>>43 dollars.'],
    final: '43',
  },
  { question: 'There are 56 chairs arranged in 8 equal rows. How many chairs are in each row?', steps: ['Each row has 56/8=<<56/8=7>>7 chairs.'], final: '7' },
  {
    question: 'A plant is 12 cm tall and grows 3 cm each week. How tall is it after 6 weeks?',
    steps: ['It grows 3*6=<<3*6=18>>18 cm.', 'It is then 12+18=<<12+18=30>>30 cm tall.'],
    final: '30',
  },
  {
    question: 'Ella has $50. She buys 4 books at $9 each. How much money does she have left?',
    steps: ['The books cost 4*9=<<4*9=36>>36 dollars.', 'She has 50-36=<<50-36=14>>14 dollars left.'],
    final: '14',
  },
  {
    question: 'A farm has 9 cows and 4 times as many chickens as cows. How many animals are on the farm?',
    steps: ['There are 9*4=<<9*4=36>>36 chickens.', 'The farm has 36+9=<<36+9=45>>45 animals.'],
    final: '45',
  },
  { question: 'A printer prints 40 pages a minute. How many minutes does it take to print 600 pages?', steps: ['It takes 600/40=<<600/40=15>>15 minutes.'], final: '15' },
  {
    question: 'Three friends share 45 stickers equally, and then each buys 2 more. How many stickers does each friend have?',
    steps: ['Each friend gets 45/3=<<45/3=15>>15 stickers.', 'After buying 2 more each has 15+2=<<15+2=17>>17 stickers.'],
    final: '17',
  },
  { question: 'A water bottle holds 750 ml. How many ml are in 4 bottles?', steps: ['Four bottles hold 750*4=<<750*4=3000>>3000 ml.'], final: '3000' },
  {
    question: 'Gina scored 18, 24 and 27 points in three games. What was her average score?',
    steps: ['The first two games give 18+24=<<18+24=42>>42 points, and with the third 42+27=<<42+27=69>>69.', 'Her average is 69/3=<<69/3=23>>23.'],
    final: '23',
  },
];

/** MATH-500 columns; `solution` ends with the boxed answer. */
interface MathItem {
  readonly problem: string;
  readonly solution: string;
  readonly answer: string;
  readonly subject: string;
  readonly level: number;
}

const MATH_TEST: readonly MathItem[] = [
  { problem: String.raw`Solve for $x$: $3x - 7 = 11$.`, solution: String.raw`Adding 7 to both sides gives $3x = 18$, so $x = \boxed{6}$.`, answer: '6', subject: 'Algebra', level: 1 },
  {
    problem: String.raw`What is the slope of the line through $(1, 2)$ and $(4, 11)$?`,
    solution: String.raw`The slope is $\frac{11 - 2}{4 - 1} = \frac{9}{3} = \boxed{3}$.`,
    answer: '3',
    subject: 'Algebra',
    level: 2,
  },
  {
    problem: String.raw`Find the sum of the roots of $x^2 - 5x + 6 = 0$.`,
    solution: String.raw`The quadratic factors as $(x - 2)(x - 3) = 0$, so the roots are $2$ and $3$ and their sum is $\boxed{5}$.`,
    answer: '5',
    subject: 'Algebra',
    level: 3,
  },
  {
    problem: String.raw`If $f(x) = 2x^2 - 3$, what is $f(f(1))$?`,
    solution: String.raw`First $f(1) = 2 - 3 = -1$. Then $f(-1) = 2 - 3 = \boxed{-1}$.`,
    answer: '-1',
    subject: 'Algebra',
    level: 4,
  },
  {
    problem: String.raw`What is $\frac{1}{2} + \frac{1}{3}$?`,
    solution: String.raw`With a common denominator of 6, $\frac{3}{6} + \frac{2}{6} = \boxed{\frac{5}{6}}$.`,
    answer: String.raw`\frac{5}{6}`,
    subject: 'Prealgebra',
    level: 1,
  },
  { problem: String.raw`What is $15\%$ of $80$?`, solution: String.raw`We compute $0.15 \cdot 80 = \boxed{12}$.`, answer: '12', subject: 'Prealgebra', level: 2 },
  {
    problem: String.raw`What is the greatest common divisor of $84$ and $120$?`,
    solution: String.raw`Since $84 = 2^2 \cdot 3 \cdot 7$ and $120 = 2^3 \cdot 3 \cdot 5$, the greatest common divisor is $2^2 \cdot 3 = \boxed{12}$.`,
    answer: '12',
    subject: 'Number Theory',
    level: 2,
  },
  {
    problem: String.raw`What is the remainder when $2^{10}$ is divided by $7$?`,
    solution: String.raw`Since $2^3 = 8 \equiv 1 \pmod 7$, we have $2^{10} = (2^3)^3 \cdot 2 \equiv 2 \pmod 7$. The remainder is $\boxed{2}$.`,
    answer: '2',
    subject: 'Number Theory',
    level: 3,
  },
  {
    problem: String.raw`In how many ways can 3 books be chosen from 7 different books?`,
    solution: String.raw`The count is $\binom{7}{3} = \frac{7 \cdot 6 \cdot 5}{3 \cdot 2 \cdot 1} = \boxed{35}$.`,
    answer: '35',
    subject: 'Counting & Probability',
    level: 2,
  },
  {
    problem: String.raw`Two fair six-sided dice are rolled. What is the probability that the sum is $7$? Express your answer as a common fraction.`,
    solution: String.raw`Six of the $36$ equally likely outcomes sum to $7$, so the probability is $\frac{6}{36} = \boxed{\frac{1}{6}}$.`,
    answer: String.raw`\frac{1}{6}`,
    subject: 'Counting & Probability',
    level: 3,
  },
  {
    problem: String.raw`A right triangle has legs of length $6$ and $8$. What is the length of its hypotenuse?`,
    solution: String.raw`By the Pythagorean theorem the hypotenuse is $\sqrt{36 + 64} = \sqrt{100} = \boxed{10}$.`,
    answer: '10',
    subject: 'Geometry',
    level: 2,
  },
  {
    problem: String.raw`What is the area of a circle with diameter $10$? Express your answer in terms of $\pi$.`,
    solution: String.raw`The radius is $5$, so the area is $\pi \cdot 5^2 = \boxed{25\pi}$.`,
    answer: String.raw`25\pi`,
    subject: 'Geometry',
    level: 3,
  },
  {
    problem: String.raw`Find all real $x$ such that $x^2 = 2x + 8$. Enter the solutions, separated by commas.`,
    solution: String.raw`Rearranging gives $x^2 - 2x - 8 = (x - 4)(x + 2) = 0$, so the solutions are $\boxed{-2, 4}$.`,
    answer: '-2, 4',
    subject: 'Intermediate Algebra',
    level: 3,
  },
  {
    problem: String.raw`Simplify $\sqrt{50} - \sqrt{8}$.`,
    solution: String.raw`We have $\sqrt{50} = 5\sqrt{2}$ and $\sqrt{8} = 2\sqrt{2}$, so the difference is $\boxed{3\sqrt{2}}$.`,
    answer: String.raw`3\sqrt{2}`,
    subject: 'Intermediate Algebra',
    level: 4,
  },
  { problem: String.raw`Compute $\cos 60^\circ$.`, solution: String.raw`From the 30-60-90 triangle, $\cos 60^\circ = \boxed{\frac{1}{2}}$.`, answer: String.raw`\frac{1}{2}`, subject: 'Precalculus', level: 2 },
  {
    problem: String.raw`Convert the point $\left( 2, \frac{\pi}{2} \right)$ in polar coordinates to rectangular coordinates.`,
    solution: String.raw`We get $x = 2 \cos \frac{\pi}{2} = 0$ and $y = 2 \sin \frac{\pi}{2} = 2$, so the point is $\boxed{(0,2)}$.`,
    answer: '(0,2)',
    subject: 'Precalculus',
    level: 3,
  },
];

function mathRows(items: readonly MathItem[]): object[] {
  const perSubject = new Map<string, number>();
  return items.map((item) => {
    const slug = item.subject.toLowerCase().replaceAll(' & ', '_and_').replaceAll(' ', '_');
    const n = (perSubject.get(slug) ?? 0) + 1;
    perSubject.set(slug, n);
    return { ...item, unique_id: `test/${slug}/synthetic-${n}.json` };
  });
}

/** The JSONL evalflow reads for RouterBench (see data/routerbench/README.md); labels are what an exact-match scorer expects. */
interface RouterItem {
  readonly eval_name: string;
  readonly prompt: string;
  readonly label: string;
  readonly oracle_model: string;
}

const LETTER = '\nAnswer with the letter only.';
const NUMBER = ' Answer with the number only.';

const ROUTERBENCH: readonly RouterItem[] = [
  { eval_name: 'mmlu', prompt: `Which planet is closest to the Sun?\nA. Venus\nB. Mercury\nC. Mars\nD. Earth${LETTER}`, label: 'B', oracle_model: 'mistralai/mistral-7b-chat' },
  { eval_name: 'mmlu', prompt: `What is the chemical symbol for sodium?\nA. So\nB. Sd\nC. Na\nD. S${LETTER}`, label: 'C', oracle_model: 'mistralai/mistral-7b-chat' },
  { eval_name: 'mmlu', prompt: `Which of these numbers is prime?\nA. 21\nB. 27\nC. 29\nD. 33${LETTER}`, label: 'C', oracle_model: 'mistralai/mixtral-8x7b-chat' },
  { eval_name: 'mmlu', prompt: `What is 15% of 200?\nA. 15\nB. 20\nC. 30\nD. 35${LETTER}`, label: 'C', oracle_model: 'gpt-3.5-turbo-1106' },
  { eval_name: 'mmlu', prompt: `In which unit is electrical resistance measured?\nA. volt\nB. ampere\nC. ohm\nD. watt${LETTER}`, label: 'C', oracle_model: 'mistralai/mistral-7b-chat' },
  {
    eval_name: 'arc-challenge',
    prompt: `A glass of water is left in the sun for several days. Where does most of the water go?\nA. into the glass\nB. into the air\nC. into the table\nD. into the sunlight${LETTER}`,
    label: 'B',
    oracle_model: 'meta/llama-2-70b-chat',
  },
  {
    eval_name: 'arc-challenge',
    prompt: `Which tool is best for measuring the mass of a rock?\nA. a ruler\nB. a thermometer\nC. a balance\nD. a stopwatch${LETTER}`,
    label: 'C',
    oracle_model: 'mistralai/mixtral-8x7b-chat',
  },
  { eval_name: 'arc-challenge', prompt: `Which of these is a renewable energy source?\nA. coal\nB. natural gas\nC. oil\nD. wind${LETTER}`, label: 'D', oracle_model: 'mistralai/mistral-7b-chat' },
  {
    eval_name: 'hellaswag',
    prompt: `Choose the most likely continuation. A man fills a bucket with soapy water and picks up a sponge. He\nA. starts washing his car.\nB. plants a tree in the bucket.\nC. reads the sponge aloud.\nD. freezes the water into a statue.${LETTER}`,
    label: 'A',
    oracle_model: 'zero-one-ai/Yi-34B-Chat',
  },
  {
    eval_name: 'hellaswag',
    prompt: `Choose the most likely continuation. A girl laces up her skates at the edge of the rink. She\nA. eats the laces.\nB. glides onto the ice.\nC. paints the rink blue.\nD. throws the skates into a lake.${LETTER}`,
    label: 'B',
    oracle_model: 'mistralai/mixtral-8x7b-chat',
  },
  {
    eval_name: 'hellaswag',
    prompt: `Choose the most likely continuation. A cook cracks two eggs into a hot pan. Next, she\nA. stirs them with a spatula.\nB. mails the pan to a friend.\nC. plants the shells in the pan.\nD. sings the eggs to sleep.${LETTER}`,
    label: 'A',
    oracle_model: 'gpt-3.5-turbo-1106',
  },
  {
    eval_name: 'winogrande',
    prompt: 'Maya lent her umbrella to Jo because _ was going out into the rain. Option 1: Maya. Option 2: Jo. Answer with 1 or 2 only.',
    label: '2',
    oracle_model: 'gpt-4-1106-preview',
  },
  {
    eval_name: 'winogrande',
    prompt: 'The soup was too hot for the child, so _ waited for it to cool down. Option 1: the soup. Option 2: the child. Answer with 1 or 2 only.',
    label: '2',
    oracle_model: 'meta/llama-2-70b-chat',
  },
  { eval_name: 'grade-school-math', prompt: `A shop sells pencils in packs of 6. How many pencils are in 9 packs?${NUMBER}`, label: '54', oracle_model: 'gpt-3.5-turbo-1106' },
  {
    eval_name: 'grade-school-math',
    prompt: `Kim has 40 stamps, buys 25 more, and then gives 15 away. How many stamps does she have?${NUMBER}`,
    label: '50',
    oracle_model: 'mistralai/mixtral-8x7b-chat',
  },
  {
    eval_name: 'grade-school-math',
    prompt: `A bike wheel turns 3 times every 2 seconds. How many turns does it make in 10 seconds?${NUMBER}`,
    label: '15',
    oracle_model: 'gpt-4-1106-preview',
  },
];

function routerRows(items: readonly RouterItem[]): object[] {
  const perEval = new Map<string, number>();
  return items.map((item) => {
    const n = perEval.get(item.eval_name) ?? 0;
    perEval.set(item.eval_name, n + 1);
    return {
      id: `synthetic.${item.eval_name}.${n}`,
      prompt: item.prompt,
      label: item.label,
      metadata: { eval_name: item.eval_name, oracle_model: item.oracle_model, source: 'synthetic' },
    };
  });
}

gsm8kParquet('gsm8k/main/test-00000-of-00001.parquet', GSM8K_TEST);
gsm8kParquet('gsm8k/main/train-00000-of-00001.parquet', GSM8K_TRAIN);
write('math/test.jsonl', jsonl(mathRows(MATH_TEST)));
write('routerbench/routerbench.jsonl', jsonl(routerRows(ROUTERBENCH)));
console.log(`wrote ${GSM8K_TEST.length}+${GSM8K_TRAIN.length} gsm8k, ${MATH_TEST.length} math, ${ROUTERBENCH.length} routerbench items under ${OUT}`);
