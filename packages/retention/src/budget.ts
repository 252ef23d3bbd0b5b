/** A run's wall-clock allowance: long backlogs are pruned over several runs. */
export interface Budget {
  spent(): boolean;
}

export function budgetOf(ms: number): Budget {
  const deadline = performance.now() + ms;
  return { spent: () => performance.now() >= deadline };
}
