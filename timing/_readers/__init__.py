"""Private readers behind :mod:`timing.io`: bytes in, a frame of text cells out.

``source`` gets the bytes (a file or standard input) and refuses directories, empty files
and unknown types; ``text`` decodes them (byte-order marks, strict UTF-8 with a located
error); ``delimited``, ``jsonish`` and ``excel`` turn them into a :class:`RawTable`.
"""
