"""Scaffolding shared by the tests and the benchmarks (not shipped with the package).

- ``tiny_runs``: tiny untrained runs in the RUNS layout;
- ``brute_force``: the slow reference of the threshold search;
- ``recycled_labels``: realistic label tables from the real summary files;
- ``oof_cases``: random out-of-fold cases and fake RUNS trees of them;
- ``model_tester``: the checks every registered backbone x head goes through.
"""
