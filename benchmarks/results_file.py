"""The JSON every benchmark writes: its numbers and where they were taken."""
import json
import os
import os.path as osp
import platform

import torch


def write_results(path, **fields):
    """Write ``fields`` as JSON to ``path`` with the run's environment.

    Args:
        path (str): Output file; its folder is created.
        **fields: The benchmark's numbers and settings; a field named like
            an environment entry (``torch``, ``threads``, ``machine``,
            ``load_average``) replaces it.
    """
    environment = dict(
        torch=torch.__version__, threads=torch.get_num_threads(),
        machine=platform.processor() or platform.machine(),
        # other jobs on the machine (1, 5, 15 min), at the end of the run
        load_average=os.getloadavg())
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(environment, **fields), f, indent=2)
    print(f'written {path}')
