// Anchors the precompiled CAF header shared by every target that uses CAF.
