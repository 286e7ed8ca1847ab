# Load GSS so that its models/datasets are registered in mmseg (this also
# makes mmseg's own tools work with these configs).
custom_imports = dict(imports=['gss'], allow_failed_imports=False)
log_config = dict(
    interval=50, hooks=[dict(type='TextLoggerHook', by_epoch=False)])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
cudnn_benchmark = True
