import os
import sys


def double(value: int) -> int:
    return value * 2


def name() -> int:
    return "pkg"


def add(a: int, b: int) -> int:
    return a + b
