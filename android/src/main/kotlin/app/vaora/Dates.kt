// java.time conversions for the calendar dates of health answers. Pure Kotlin.
package app.vaora

import java.time.LocalDate

/** This date as the diary's [CalendarDate]. */
fun LocalDate.toCalendarDate(): CalendarDate = CalendarDate(year, monthValue, dayOfMonth)

/** This calendar date as a [LocalDate] (throws `DateTimeException` for 30 February). */
fun CalendarDate.toLocalDate(): LocalDate = LocalDate.of(year, month, day)
