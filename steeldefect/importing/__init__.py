"""Import annotation-tool exports (index masks, CVAT colour masks, COCO instances) as a dataset folder.

- ``labelmap`` / ``class_list``: CVAT's labelmap.txt and the classes.txt of index masks;
- ``problems``: the one-line problems of bad input, raised or collected (``--skip-bad``);
- ``masks_source`` / ``coco_source``: read an export into per-image class masks;
- ``build``: write the collected images and masks as a dataset folder, atomically.
"""
