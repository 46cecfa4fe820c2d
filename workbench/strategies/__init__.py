"""Search strategies beyond a plain single-objective study.

- `targets`: what a study optimizes (dev ROUGE, inference time, model size) and their order;
- `constraints`: infeasible configs (memory limit, too-slow decoding) skipped before training;
- `stages`: the staged plans of `params/stages.yaml`, each stage fixing the earlier bests;
- `adaptive`: narrowing the space around the best when the search stalls, widening it again;
- `warmstart`: known-good configs enqueued after trial 0.
"""
