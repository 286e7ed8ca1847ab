# Distributed exact-resume test: tiny_fcn's shuffling, random augmentation
# and dropout on 2 processes (4 images each, 2 iterations an epoch); every
# rank dumps its final parameters.
_base_ = './tiny_fcn.py'
custom_imports = dict(imports=['gss', 'tests.dump_params_hook'])
custom_hooks = [dict(type='DumpParamsHook')]
