from lib.lessons.home.figures import EVENTS
from lib.lessons.home.summary import timeline_summary


def test_timeline_summary_counts_events_and_years():
    en = timeline_summary("en")
    assert en == ("The timeline shows 9 events from 2007 to 2023, per library: "
                  "Theano 1, TensorFlow 2, Keras 4, PyTorch 2.")
    assert sum(int(part.split()[-1]) for part in en.split(": ")[1].rstrip(".").split(", ")) == len(EVENTS)
    assert timeline_summary("ko").startswith("타임라인에는 2007년부터 2023년까지 사건 9개가 있습니다.")
