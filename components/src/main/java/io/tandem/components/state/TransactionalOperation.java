package io.tandem.components.state;

/** One step of {@link StateStore#multi}: an upsert or a delete. */
public sealed interface TransactionalOperation {
  String key();

  record Upsert(SetRequest request) implements TransactionalOperation {
    @Override
    public String key() {
      return request.key();
    }
  }

  record Delete(DeleteRequest request) implements TransactionalOperation {
    @Override
    public String key() {
      return request.key();
    }
  }
}
