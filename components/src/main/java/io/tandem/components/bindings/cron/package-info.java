/**
 * {@code bindings.cron}: an input binding that fires on a schedule written as Dapr's cron binding
 * takes it (5 or 6 fields, descriptors such as {@code @hourly}, {@code @every 15s}, an optional
 * {@code CRON_TZ=} prefix).
 */
package io.tandem.components.bindings.cron;
