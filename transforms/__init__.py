"""wirestrip's transforms, in rooms that follow the data: read → clean → dedup → write.

Modules named `beam_*` are thin Beam wrappers; every other module is pure logic that imports
neither apache_beam nor wirestrip.pipeline (tests/test_layers.py checks it).
"""
