package io.tandem.sidecar.pubsub;

import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Where a subscription's events go: the app channel, or a streaming subscriber's stream. */
interface EventSink {
  /** The receiver's answer; a failed stage counts as RETRY. */
  CompletionStage<TopicEventResult> deliver(TopicEvent event);

  /** Answers per entry id; a missing entry counts as RETRY, a failed stage as RETRY for all. */
  CompletionStage<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event);
}
