"""The workbench's benchmarks, outside the installed package: `python -m benchmarks` (`make
bench`) runs the suite, one module per section (`scorer`, `overhead`, `memory`, `search`,
`generation`, `parallel`) and `report` for its files; `memory_check` compares the memory model
with a GPU's measured peak.
"""
