# Load GSS when the config is read, so that its models/datasets are
# registered in mmseg: mmseg's own tools and init_segmentor then work with
# these configs. (On the pure-Python mmcv they import mmseg.apis before
# reading any config; the gss-mmcv-ops.pth startup hook installed with GSS
# makes that import work, see install.md.)
custom_imports = dict(imports=['gss'], allow_failed_imports=False)
log_config = dict(
    interval=50, hooks=[dict(type='TextLoggerHook', by_epoch=False)])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
cudnn_benchmark = True

# CPU runs: malloc keeps freed memory for reuse instead of page-faulting
# fresh mappings for every large tensor (gss/apis/cpu_memory.py); ignored
# on CUDA, values unchanged.
cpu_retain_memory = True
