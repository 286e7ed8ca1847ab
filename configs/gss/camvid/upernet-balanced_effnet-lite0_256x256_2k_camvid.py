# UPerNet, class-balanced: the baseline of the converged CamVid suite
# (docs/experiments/camvid.md), its cross-entropy weighted by class with
# the weights of _base_/datasets/camvid_class_weight.py.
_base_ = [
    '../_base_/models/upernet_effnet-lite0.py',
    '../_base_/datasets/camvid.py',
    '../_base_/datasets/camvid_class_weight.py',
    '../_base_/schedules/camvid_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(data_norm={{_base_.img_norm_cfg}}),
    decode_head=dict(loss_decode=dict(class_weight={{_base_.class_weight}})))
data = dict(samples_per_gpu=4, workers_per_gpu=1)
log_config = dict(interval=20)
