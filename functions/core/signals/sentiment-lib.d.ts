/** Types for the parts of `sentiment` (AFINN-165, CommonJS, no bundled types) that ./sentiment.ts uses. */
declare module 'sentiment' {
  interface AnalysisResult {
    readonly score: number;
    readonly comparative: number;
    readonly tokens: readonly string[];
    readonly calculation: ReadonlyArray<Record<string, number>>;
  }
  interface Language {
    readonly labels: Record<string, number>;
    readonly scoringStrategy?: { apply(tokens: readonly string[], cursor: number, tokenScore: number): number };
  }
  export default class Sentiment {
    registerLanguage(code: string, language: Language): void;
    analyze(phrase: string, options?: { readonly language?: string }): AnalysisResult;
  }
}
declare module 'sentiment/languages/en/index.js' {
  const english: { readonly labels: Readonly<Record<string, number>> };
  export default english;
}
