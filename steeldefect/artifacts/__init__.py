"""The files the stages write and read, one module per file contract.

Each module owns its file's name, its keys and its ``FORMAT_VERSION``, and has a typed reader and an
atomic writer; every other module goes through them. A reader loads files written before the version
was recorded and refuses a newer version with one line naming it (``versions.check_version``).

- ``run_folder``: the layout of RUNS (kinds, ``<kind>/<member>/fold<k>``, config, history, state,
  checkpoints, DONE) and finding runs;
- ``run_meta``: a run's meta.json (``RunMeta``); ``oof``: a run's oof.npz (``OofPredictions``);
- ``thresholds_file``: thresholds.yaml; ``ensemble_file``: ensemble.yaml; ``summary_file``:
  summary.json; ``devices_file``: devices.json; ``export_manifest``: an export folder's manifest.json;
  ``prediction_table``: the per-image CSV beside a submission (``<out stem>_images.csv``);
  ``prediction_partial``: predict's resumable ``<out>.partial/`` folder;
- ``synth_record``: a synthetic dataset's synth.json; ``tfrecords_manifest``: a TFRecords folder's
  tfrecords.json (local, or gs:// through TensorFlow's file system).

Nothing here imports more than numpy, pandas and yaml.
"""
