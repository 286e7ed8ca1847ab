"""The JSON every benchmark writes: its numbers and where they were taken."""
import json
import os
import os.path as osp
import platform

import torch

from gss.apis import cpu_has_native_bf16


def cpu_name():
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform``
    knows."""
    if osp.exists('/proc/cpuinfo'):
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()


def environment():
    """Where a benchmark runs: torch, its threads, the CPU, the vector
    instructions torch's kernels use, whether the CPU has bf16 arithmetic
    (``cpu_bf16`` runs bf16 only there) and the machine's load (other jobs:
    1, 5, 15 min, taken at the end of the run)."""
    return dict(
        torch=torch.__version__, threads=torch.get_num_threads(),
        machine=platform.machine(), cpu=cpu_name(),
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        native_bf16=cpu_has_native_bf16(), load_average=os.getloadavg())


def write_results(path, **fields):
    """Write ``fields`` as JSON to ``path`` with the run's environment.

    Args:
        path (str): Output file; its folder is created.
        **fields: The benchmark's numbers and settings; a field named like
            an :func:`environment` entry replaces it.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(environment(), **fields), f, indent=2)
    print(f'written {path}')
