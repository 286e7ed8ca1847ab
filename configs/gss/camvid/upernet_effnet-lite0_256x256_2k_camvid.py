# The converged CamVid suite, setting (b) (README, "CamVid"): the baseline
# upernet_effnet-lite0_camvid.py trained for 2,000 iterations of batch 4
# (21.8 epochs, as every model of the suite) in bf16 autocast with
# channels-last weights, val mIoU every 400 iterations for the curves.
_base_ = './upernet_effnet-lite0_camvid.py'
runner = dict(max_iters=2000)
checkpoint_config = dict(interval=1000)
evaluation = dict(interval=400)
cpu_bf16 = dict(channels_last=True)
