"""The pose-sequence action classifier: one tracked person's COCO-17 keypoints over a window in,
class probabilities out. Trained on the synthetic generator's ground-truth keypoints (plus, when a
user has labelled clips, on their estimated poses); the packaged default model needs no real data.
"""
