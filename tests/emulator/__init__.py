"""Tests of the FlexVM emulator, over raw HTTP."""
