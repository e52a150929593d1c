"""Run orchestration (papermill), rendering (nbconvert), results, index and history."""
