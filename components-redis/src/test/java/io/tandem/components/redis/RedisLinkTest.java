package io.tandem.components.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.impl.types.ErrorType;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** How the link reads a failure: a refused command, or a server that cannot be used. */
class RedisLinkTest {
  @Test
  void anErrorReplyIsAnAnswerNotALostServer() {
    ErrorType wrongType = ErrorType.create("WRONGTYPE Operation against a key");

    assertThat(RedisLink.isErrorReply(wrongType)).isTrue();
    assertThat(RedisLink.isConnectionLoss(wrongType)).isFalse();
    // as the lock and configuration stores receive it, wrapped
    ComponentException wrapped = ComponentException.failure("component c: WRONGTYPE", wrongType);
    assertThat(RedisLink.isErrorReply(wrapped)).isTrue();
    assertThat(RedisLink.isConnectionLoss(new CompletionException(wrongType))).isFalse();
  }

  @Test
  void repliesSayingTheServerCannotServeYetAreTrouble() {
    for (String reply :
        new String[] {
          "LOADING Redis is loading the dataset in memory",
          "MASTERDOWN Link with MASTER is down",
          "CLUSTERDOWN The cluster is down"
        }) {
      assertThat(RedisLink.isErrorReply(ErrorType.create(reply))).isTrue();
      assertThat(RedisLink.isConnectionLoss(ErrorType.create(reply))).as(reply).isTrue();
    }
  }

  @Test
  void errorsTheClientMakesUpForALostConnectionAreNotAnswers() {
    for (String made : new String[] {"CONNECTION_CLOSED", "ILLEGAL_STATE Unknown RESP type"}) {
      assertThat(RedisLink.isErrorReply(ErrorType.create(made))).as(made).isFalse();
      assertThat(RedisLink.isConnectionLoss(ErrorType.create(made))).as(made).isTrue();
    }
  }

  @Test
  void noAnswerIsALostServerAndAFullPoolIsNot() {
    assertThat(RedisLink.isConnectionLoss(new ConnectException("Connection refused"))).isTrue();
    assertThat(RedisLink.isConnectionLoss(new TimeoutException("no answer within 3000ms")))
        .isTrue();
    assertThat(RedisLink.isConnectionLoss(new ConnectionPoolTooBusyException("full"))).isFalse();
    assertThat(RedisLink.isErrorReply(new ConnectException("Connection refused"))).isFalse();
  }
}
