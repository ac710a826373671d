"""Exercises: hypothetical scenarios run through the real pipeline on a simulated clock,
scored against their expected outcomes, reported after action (docs/exercises.md)."""
