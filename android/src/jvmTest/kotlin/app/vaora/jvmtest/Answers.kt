// Typed health answers from the JSON of docs/declarations.md (the vectors' form), and the
// vectors' names of triggers: test helpers only (apps build HealthAnswers directly).
package app.vaora.jvmtest

import app.vaora.CalendarDate
import app.vaora.HealthAnswers
import app.vaora.Symptom
import app.vaora.Travel
import app.vaora.Trigger

@Suppress("UNCHECKED_CAST")
fun answersFromJson(a: Map<String, Any?>): HealthAnswers {
    val date = (a["last_dose_on"] as String?)?.split("-")?.map { it.toInt() }
    return HealthAnswers(
        travel = (a["travel"] as List<Map<String, Any?>>).map { Travel(it["place"] as String, it["province"] as String) },
        symptoms = (a["symptoms"] as List<String>).map { Symptom.valueOf(it.uppercase().replace('-', '_')) },
        otherSymptom = a["other_symptom"] as String?,
        contactConfirmed = a["contact_confirmed"] as Boolean,
        contactSuspected = a["contact_suspected"] as Boolean,
        contactOutbreakArea = a["contact_outbreak_area"] as Boolean,
        vaccineDoses = (a["vaccine_doses"] as Number).toInt(),
        lastDoseOn = date?.let { CalendarDate(it[0], it[1], it[2]) },
        phone = a["phone"] as String?,
    )
}

/** A trigger as the vectors and docs/declarations.md spell it (`fever`, `contact-confirmed`). */
fun triggerName(t: Trigger): String = when (t) {
    is Trigger.Symptom -> t.symptom.name.lowercase().replace('_', '-')
    is Trigger.OtherSymptom -> "other-symptom"
    is Trigger.ContactConfirmed -> "contact-confirmed"
    is Trigger.ContactSuspected -> "contact-suspected"
    is Trigger.ContactOutbreakArea -> "contact-outbreak-area"
}

val ALL_CLEAR = HealthAnswers(vaccineDoses = 2, lastDoseOn = CalendarDate(2022, 6, 30))
val FEVER = HealthAnswers(symptoms = listOf(Symptom.FEVER))
